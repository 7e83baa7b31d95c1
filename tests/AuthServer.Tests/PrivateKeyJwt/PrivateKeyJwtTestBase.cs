using System.Net;
using System.Security.Cryptography;
using AuthServer.Tests.Infrastructure;
using static AuthServer.Tests.PrivateKeyJwt.ClientAssertions;

namespace AuthServer.Tests.PrivateKeyJwt;

/// <summary>What every private_key_jwt test class shares: the keyed clients imported, and the requests and checks.</summary>
public abstract class PrivateKeyJwtTestBase(ServerFixture fixture) : IAsyncLifetime
{
    protected AuthServerHost Server => fixture.Host;

    // The same file every time: importing it again changes nothing.
    public async Task InitializeAsync() => await Server.ImportAsync(ClientAssertions.Json);

    public Task DisposeAsync() => Task.CompletedTask;

    protected Task<HttpResponseMessage> TokenAsync(string assertion, params (string, string)[] extra) =>
        Server.PostFormAsync("/connect/token", [("grant_type", "client_credentials"), .. Form(assertion, extra)]);

    /// <summary>401 invalid_client, for the reason given: the audit event's log-only detail says which rule refused it.</summary>
    protected async Task AssertRefusedAsync(string because, string assertion, params (string, string)[] extra)
    {
        using var response = await TokenAsync(assertion, extra);
        await ProtocolAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        await Server.FlushAuditAsync();
        var detail = (await Database.QueryAsync(Server,
            "SELECT detail FROM audit_events WHERE action = 'client.authentication_failed' ORDER BY id DESC LIMIT 1")).Single()[0];
        Assert.StartsWith("private_key_jwt: ", detail);
        Assert.Contains(because, detail, StringComparison.Ordinal);
    }

    protected static byte[] Es256(byte[] data) => Ec.SignData(data, HashAlgorithmName.SHA256);
}
