using System.Net.Http.Headers;
using System.Text;

namespace AuthServer.Data.Tests.Support;

/// <summary>Requests a confidential client makes of a running node: a form POST with client_secret_basic (RFC 6749 §2.3.1).</summary>
public static class ClientRequests
{
    public static async Task<HttpResponseMessage> PostFormAsync(
        HttpClient http, string path, IEnumerable<(string Name, string Value)> form, (string Id, string Secret) client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(form.Select(p => KeyValuePair.Create(p.Name, p.Value))),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(client.Id)}:{Uri.EscapeDataString(client.Secret)}")));
        return await http.SendAsync(request);
    }
}
