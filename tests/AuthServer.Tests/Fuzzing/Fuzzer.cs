using System.Diagnostics;
using System.Text;

namespace AuthServer.Tests.Fuzzing;

/// <summary>The outcome of a run: how many requests, by status, and every failure with the request that caused it.</summary>
public sealed record FuzzReport(int Seed, int Requests, TimeSpan Elapsed, IReadOnlyDictionary<int, int> Statuses,
    IReadOnlyDictionary<string, int> PerEndpoint, IReadOnlyList<string> Failures, IReadOnlyDictionary<string, int> Signatures,
    IReadOnlyDictionary<string, int> PerEndpointStatus)
{
    public string Summary()
    {
        var text = new StringBuilder();
        text.Append($"fuzz seed={Seed} requests={Requests} elapsed={Elapsed.TotalSeconds:F1}s ({Requests / Math.Max(0.001, Elapsed.TotalSeconds):F0} req/s) failures={Failures.Count}\n");
        text.Append("statuses: ").Append(string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "closed" : s.Key.ToString())}={s.Value}"))).Append('\n');
        foreach (var (signature, count) in Signatures.OrderByDescending(s => s.Value))
        {
            text.Append($"  {count,5} x {signature}\n");
        }

        foreach (var failure in Failures.DistinctBy(f => f.Split('\n')[0][(f.IndexOf(' ') + 1)..]).Take(15))
        {
            text.Append("--- failure ---\n").Append(failure).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Answers by endpoint and status: shows how deep the run got (a route that only ever says 400 is not fuzzed well).</summary>
    public string Depth() => string.Join('\n', PerEndpointStatus.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value,6} {p.Key}"));
}

/// <summary>
/// Sends seeded, mutated requests to every endpoint of a running host, one at a time, and checks each answer with
/// <see cref="FuzzOracle"/> and the host's error log (<see cref="LogCapture"/>): anything logged at Error or above
/// while a request was in flight is that request's failure.
/// </summary>
public sealed class Fuzzer(FuzzContext context, LogCapture log, IReadOnlyList<FuzzEndpoint> endpoints)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    public async Task<FuzzReport> RunAsync(int seed, int requests, TimeSpan? budget = null)
    {
        var r = new Random(seed);
        var statuses = new Dictionary<int, int>();
        var perEndpoint = new Dictionary<string, int>();
        var failures = new List<string>();
        var signatures = new Dictionary<string, int>();
        var perEndpointStatus = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var targets = endpoints.Append(FuzzEndpoint.Unknown).ToList();
        var sent = 0;
        for (; sent < requests && (budget is null || clock.Elapsed < budget); sent++)
        {
            // Every endpoint in turn, then at random, so even a short run reaches each one.
            var endpoint = sent < targets.Count ? targets[sent] : targets[r.Next(targets.Count)];
            var generator = FuzzEndpoints.GeneratorFor(endpoint) ?? throw new InvalidOperationException($"no generator covers {endpoint.Pattern}");
            var method = endpoint.Methods[r.Next(endpoint.Methods.Count)];
            var request = generator.Build(endpoint, method, r, context);
            if (sent >= targets.Count)
            {
                Mutator.Mutate(request, r);
            }

            var errorsBefore = log.Count;
            var message = request.ToBytes(context.Authority);
            var halfClose = request.Framing is Framing.ContentLengthShort or Framing.Raw;
            var response = await RawHttp.SendAsync(context.Host.Port, message, halfClose, RequestTimeout);
            statuses[response.Status] = statuses.GetValueOrDefault(response.Status) + 1;
            perEndpoint[endpoint.Pattern] = perEndpoint.GetValueOrDefault(endpoint.Pattern) + 1;
            var key = $"{endpoint.Pattern} {response.Status}";
            perEndpointStatus[key] = perEndpointStatus.GetValueOrDefault(key) + 1;

            var problems = FuzzOracle.Check(request, response, request.RefusedByKestrel(context.Authority)).ToList();
            problems.AddRange(log.Since(errorsBefore).Select(e => "logged: " + (e.Length > 3000 ? e[..3000] + "..." : e)));
            if (problems.Count > 0)
            {
                signatures[Signature(endpoint, problems[0])] = signatures.GetValueOrDefault(Signature(endpoint, problems[0])) + 1;
                failures.Add($"#{sent} {string.Join("\n  ", problems)}\nrequest: {request.Describe(context.Authority)}\n" +
                    $"response: {response.Status} {response.MediaType} {Shorten(response.BodyText)}");
            }
        }

        return new FuzzReport(seed, sent, clock.Elapsed, statuses, perEndpoint, failures, signatures, perEndpointStatus);
    }

    /// <summary>Failures of one kind at one endpoint, so a report lists distinct bugs first.</summary>
    private static string Signature(FuzzEndpoint endpoint, string problem) =>
        endpoint.Pattern + ": " + (problem.Split('\n')[0] is var first && first.Length > 120 ? first[..120] : problem.Split('\n')[0]);

    private static string Shorten(string text) => text.Length > 400 ? text[..400] + "..." : text;
}
