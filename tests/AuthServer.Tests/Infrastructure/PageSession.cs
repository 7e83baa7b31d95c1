using System.Net;
using System.Text.RegularExpressions;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// A browser without JavaScript: keeps cookies, does not follow redirects (tests look at each one), and posts
/// forms with the antiforgery token the page carried.
/// </summary>
public sealed partial class PageSession : IDisposable
{
    private readonly HttpClient _http;

    public PageSession(AuthServerHost server)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(server.Issuer),
        };
    }

    public CookieContainer Cookies { get; }

    public Uri BaseAddress => _http.BaseAddress!;

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    /// <summary>Gets the page, then posts its form with the given fields and the page's antiforgery token.</summary>
    public Task<HttpResponseMessage> SubmitAsync(string path, params (string Name, string Value)[] fields) =>
        SubmitToAsync(path, path, fields);

    /// <summary>Gets <paramref name="pagePath"/>, then posts to <paramref name="postPath"/> (a page handler, say) with its token.</summary>
    public async Task<HttpResponseMessage> SubmitToAsync(string pagePath, string postPath, params (string Name, string Value)[] fields)
    {
        using var page = await _http.GetAsync(pagePath);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET {pagePath}: {(int)page.StatusCode}\n{html}");
        return await PostAsync(postPath, [.. fields, ("__RequestVerificationToken", AntiforgeryToken(html))]);
    }

    public async Task<string> GetPageAsync(string path)
    {
        using var page = await _http.GetAsync(path);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)page.StatusCode}\n{html}");
        return html;
    }

    public Task<HttpResponseMessage> PostAsync(string path, IEnumerable<(string Name, string Value)> fields) =>
        _http.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))));

    public static string AntiforgeryToken(string html) =>
        TokenField().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("The page has no antiforgery token:\n" + html);

    public Cookie? Cookie(string name) => Cookies.GetAllCookies().FirstOrDefault(c => c.Name == name);

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
