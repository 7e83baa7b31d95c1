using System.Text;

namespace AuthServer.Tests.Fuzzing;

/// <summary>
/// Applies a few seeded mutations to a valid base request. Structured ones (parameters, values, headers, content
/// type, method, path) keep the HTTP message well-formed; framing ones break it on purpose (see <see cref="Framing"/>).
/// </summary>
public static class Mutator
{
    private static readonly (string Name, int Weight, Action<FuzzRequest, Random> Apply)[] Mutations =
    [
        ("drop-param", 4, (q, r) => Params(q, r, list => list.RemoveAt(r.Next(list.Count)))),
        ("duplicate-param", 4, (q, r) => Params(q, r, list => list.Add(list[r.Next(list.Count)]))),
        ("reorder-params", 2, (q, r) => Params(q, r, list => Shuffle(r, list))),
        ("garbage-value", 8, (q, r) => Params(q, r, list => Replace(list, r, FuzzValues.Garbage(r)))),
        ("huge-value", 3, (q, r) => Params(q, r, list => Replace(list, r, FuzzValues.Huge(r)))),
        ("many-params", 2, (q, r) => Params(q, r, list => list.AddRange(Enumerable.Range(0, r.Next(100, 4000)).Select(i => ($"p{i}", "v"))))),
        ("empty-name", 1, (q, r) => Params(q, r, list => list.Add(("", FuzzValues.Garbage(r))))),
        ("swap-values", 2, (q, r) => Params(q, r, list => Replace(list, r, list[r.Next(list.Count)].Value))),
        ("break-jwt", 6, BreakJwt),
        ("invalid-utf8-body", 3, (q, r) => q.Body = Splice(q.BodyBytes(), r, FuzzValues.InvalidUtf8(r))),
        ("invalid-percent-body", 3, (q, r) => q.Body = Splice(q.BodyBytes(), r, Encoding.ASCII.GetBytes(BadPercent(r)))),
        ("invalid-utf8-query", 3, (q, r) => q.RawQuery = [.. Encoding.ASCII.GetBytes(FuzzRequest.Encode(q.Query) + "&x="), .. FuzzValues.InvalidUtf8(r)]),
        ("invalid-percent-query", 3, (q, r) => q.RawQuery = Encoding.ASCII.GetBytes(FuzzRequest.Encode(q.Query) + "&" + BadPercent(r))),
        ("random-body", 2, (q, r) => q.Body = RandomBytes(r, r.Next(0, 3000))),
        ("content-type", 5, ContentType),
        ("bad-authorization", 5, Authorization),
        ("method", 4, (q, r) => q.Method = Pick(r, "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "get", "P0ST")),
        ("path", 3, PathMutation),
        ("header-garbage", 3, HeaderGarbage),
        ("cookie", 3, Cookie),
        ("drop-header", 2, (q, r) => { if (q.Headers.Count > 0) { q.Headers.RemoveAt(r.Next(q.Headers.Count)); } }),
        ("framing", 4, FramingMutation),
        ("raw-message", 2, RawMessage),
    ];

    private static readonly int TotalWeight = Mutations.Sum(m => m.Weight);

    public static void Mutate(FuzzRequest request, Random r)
    {
        var count = r.Next(4) switch { 0 => 0, 1 => 1, 2 => 2, _ => r.Next(1, 5) };
        for (var i = 0; i < count; i++)
        {
            var pick = r.Next(TotalWeight);
            foreach (var (name, weight, apply) in Mutations)
            {
                if ((pick -= weight) < 0)
                {
                    request.Mutations.Add(name);
                    apply(request, r);
                    break;
                }
            }
        }
    }

    private static void Params(FuzzRequest q, Random r, Action<List<(string Name, string Value)>> change)
    {
        // Mutate the form when there is one (and no raw body yet), else the query.
        var list = q.Body is null && q.Form is not null && (q.Query.Count == 0 || r.Next(3) > 0) ? q.Form : q.Query;
        if (list.Count == 0)
        {
            list.Add(("x", "y"));
        }

        change(list);
    }

    private static void Replace(List<(string Name, string Value)> list, Random r, string value)
    {
        var at = r.Next(list.Count);
        list[at] = (list[at].Name, value);
    }

    private static void Shuffle<T>(Random r, List<T> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = r.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private static string Pick(Random r, params string[] values) => values[r.Next(values.Length)];

    private static string BadPercent(Random r) => Pick(r, "%", "a=%", "a=%g0", "a=%C3", "a=%C3%28", "%ZZ=1", "a=%%%", "a=%ED%A0%80", "a=%FF%FE", "a=%00", "=&=&&", "a=b=c");

    private static byte[] Splice(byte[] body, Random r, byte[] insert)
    {
        var at = r.Next(body.Length + 1);
        return [.. body.AsSpan(0, at), .. insert, .. body.AsSpan(at)];
    }

    private static byte[] RandomBytes(Random r, int length)
    {
        var bytes = new byte[length];
        r.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Every value that looks like a JWT (parameter or bearer header) has one of them broken.</summary>
    private static void BreakJwt(FuzzRequest q, Random r)
    {
        static bool IsJwt(string v) => v.StartsWith("eyJ", StringComparison.Ordinal) && v.Count(c => c == '.') == 2;
        foreach (var list in new[] { q.Form, q.Query })
        {
            for (var i = 0; list is not null && i < list.Count; i++)
            {
                if (IsJwt(list[i].Value))
                {
                    list[i] = (list[i].Name, FuzzValues.BreakJwt(r, list[i].Value));
                    return;
                }
            }
        }

        for (var i = 0; i < q.Headers.Count; i++)
        {
            var (name, value) = q.Headers[i];
            var space = value.IndexOf(' ');
            if (space > 0 && IsJwt(value[(space + 1)..]))
            {
                q.Headers[i] = (name, value[..space] + " " + FuzzValues.BreakJwt(r, value[(space + 1)..]));
                return;
            }
        }

        q.SetHeader("Authorization", "Bearer " + FuzzValues.BreakJwt(r, ""));
    }

    private static void ContentType(FuzzRequest q, Random r)
    {
        var value = Pick(r,
            "", "text/plain", "application/json", "multipart/form-data", "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded; charset=latin1", "application/x-www-form-urlencoded; charset=utf-16",
            "application/x-www-form-urlencoded; charset=\"utf-8\"", "APPLICATION/X-WWW-FORM-URLENCODED", "application/x-www-form-urlencoded;;;",
            "application/x-www-form-urlencoded; boundary=\0", "application/problem+json", "application/json; charset=utf-32", "*/*", ";", "a/b/c");
        switch (r.Next(3))
        {
            case 0: q.SetHeader("Content-Type", null); break;
            case 1: q.SetHeader("Content-Type", value); break;
            default: q.Headers.Add(("Content-Type", value)); break; // duplicated
        }
    }

    private static void Authorization(FuzzRequest q, Random r)
    {
        var value = r.Next(6) switch
        {
            0 => FuzzValues.BadBasic(r, ("opaque-client", "secret")),
            1 => "Bearer " + FuzzValues.Garbage(r),
            2 => Pick(r, "Bearer", "Bearer  ", "bearer x y", "Negotiate abc", "Basic Og==", "Bearer =====", "Bearer a,b", "\0"),
            3 => "Bearer " + FuzzValues.BreakJwt(r, ""),
            4 => "Bearer " + new string('A', r.Next(9_000, 70_000)),
            _ => FuzzValues.BadBasic(r, ("web-app", FuzzValues.Garbage(r))),
        };
        if (r.Next(4) == 0)
        {
            q.Headers.Add(("Authorization", value)); // a second one
        }
        else
        {
            q.SetHeader("Authorization", value);
        }
    }

    private static void PathMutation(FuzzRequest q, Random r)
    {
        q.Path = r.Next(8) switch
        {
            0 => q.Path + "/" + FuzzValues.RandomAscii(r, 5),
            1 => q.Path.ToUpperInvariant(),
            2 => "/" + q.Path,
            3 => q.Path + "/",
            4 => q.Path + "/%2e%2e/%2e%2e/admin",
            5 => q.Path + "%00",
            6 => q.Path + "/" + new string('a', r.Next(2_000, 12_000)),
            _ => q.Path.Replace("/", "/./", StringComparison.Ordinal),
        };
    }

    private static void HeaderGarbage(FuzzRequest q, Random r)
    {
        var name = Pick(r, "Accept", "Accept-Language", "Accept-Charset", "Origin", "Referer", "X-Forwarded-For", "X-Forwarded-Proto",
            "X-Forwarded-Host", "Forwarded", "User-Agent", "If-None-Match", "Range", "Expect", "X-Access-Token", "Host", "Accept-Encoding");
        var value = r.Next(4) switch
        {
            0 => new string('h', r.Next(100, 9_000)),
            1 => Pick(r, "application/token-introspection+jwt", "application/jwt", "*/*;q=x", "text/html;q=0.5, application/json;q=2",
                "100-continue", "bytes=0-1,5-", "1.2.3.4, evil, ::1", "for=\"[::1]:80\";proto=gopher", "\u00ff\u00fe"),
            2 => FuzzValues.RandomChars(r, r.Next(1, 40)).Replace("\r", "").Replace("\n", ""),
            _ => FuzzValues.Garbage(r).Replace("\r", "").Replace("\n", ""),
        };
        q.Headers.Add((name, value));
    }

    private static void Cookie(FuzzRequest q, Random r)
    {
        var current = q.Header("Cookie") ?? "";
        q.SetHeader("Cookie", r.Next(4) switch
        {
            0 => current.Length > 10 ? current[..r.Next(current.Length)] : "authserver.session=" + FuzzValues.Garbage(r),
            1 => "authserver.session=" + FuzzValues.BadBase64(r) + "; authserver.antiforgery=" + FuzzValues.BadBase64(r),
            2 => current + "; " + current,
            _ => current.Replace("=C", "=D", StringComparison.Ordinal),
        });
    }

    private static void FramingMutation(FuzzRequest q, Random r)
    {
        q.Framing = (Framing)r.Next(1, (int)Framing.Raw);
    }

    /// <summary>HTTP messages no client library would send: header injection, bad request lines, obs-fold, bare LF.</summary>
    private static void RawMessage(FuzzRequest q, Random r)
    {
        var head = $"{q.Method} {q.Target()} HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        var body = q.BodyBytes();
        var message = r.Next(12) switch
        {
            0 => head + "X-Test: a\r\nX-Injected: b\nContent-Length: 0\r\n\r\n",
            1 => head + "Authorization: Basic Zm9v\r\n bar\r\nConnection: close\r\n\r\n",
            2 => $"{q.Method} {q.Target()} HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n",
            3 => $"{q.Method}  {q.Target()}  HTTP/1.1\r\nConnection: close\r\n\r\n",
            4 => $"{q.Method} http://evil.example{q.Path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            5 => $"{q.Method} {q.Target()}\r\n\r\n",
            6 => head + "Bad Header: x\r\nConnection: close\r\n\r\n",
            7 => head + ": empty-name\r\nConnection: close\r\n\r\n",
            8 => head + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            9 => head + "Transfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
            10 => head + string.Concat(Enumerable.Range(0, r.Next(50, 300)).Select(i => $"X-H{i}: {new string('v', 200)}\r\n")) + "Connection: close\r\n\r\n",
            _ => head + "Host: second.example\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\nContent-Length: " + body.Length + "\r\n\r\n",
        };
        q.Framing = Framing.Raw;
        q.RawMessage = [.. Encoding.UTF8.GetBytes(message), .. (message.EndsWith("Content-Length: " + body.Length + "\r\n\r\n", StringComparison.Ordinal) ? body : [])];
    }
}
