using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests.Http;

/// <summary>What the HTTP hardening tests share: a throwaway TLS certificate, clients from a chosen loopback address.</summary>
public static class HttpTestSupport
{
    public const string JsonPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>A self-signed server certificate for 127.0.0.1, written as a password-protected PFX into <paramref name="folder"/>.</summary>
    public static (string Path, string Password, string Thumbprint) CreateCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var path = System.IO.Path.Combine(folder, "server.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return (path, password, certificate.Thumbprint);
    }

    /// <summary>
    /// An HttpClient whose connections come from <paramref name="local"/> (any 127.x.y.z is this machine), trusting only
    /// the certificate with <paramref name="thumbprint"/> for HTTPS.
    /// </summary>
    public static HttpClient ClientFrom(IPAddress local, Uri baseAddress, string? thumbprint = null) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && thumbprint is not null
            && string.Equals(certificate.GetCertHashString(), thumbprint, StringComparison.OrdinalIgnoreCase) },
    })
    { BaseAddress = baseAddress };

    public static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : "";

    /// <summary>The three headers every response carries, whatever wrote it.</summary>
    public static void AssertBaseline(HttpResponseMessage response, string? policy = JsonPolicy)
    {
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        var csp = Header(response, "Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        if (policy is not null)
        {
            Assert.Equal(policy, csp);
        }
    }

    public static Task<HttpResponseMessage> TokenAsync(HttpClient http, (string Id, string Secret) client, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = AuthServerHost.BasicHeader(client.Id, client.Secret);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return http.SendAsync(request);
    }
}
