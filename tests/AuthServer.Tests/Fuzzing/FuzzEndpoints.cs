using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Tests.Fuzzing;

/// <summary>One route the app maps: its pattern ("/admin/api/v1/clients/{clientId}") and the methods it takes.</summary>
public sealed record FuzzEndpoint(string Pattern, IReadOnlyList<string> Methods)
{
    /// <summary>Not a route: any path the app does not map.</summary>
    public static readonly FuzzEndpoint Unknown = new("(unknown)", ["GET", "POST"]);

    /// <summary>The path with each route parameter filled in by <paramref name="value"/> (given the parameter's name).</summary>
    public string Fill(Func<string, string> value) =>
        Regex.Replace(Pattern, @"\{([^}:?=]+)[^}]*\}", m => Uri.EscapeDataString(value(m.Groups[1].Value)));

    public bool StartsWith(string prefix) => Pattern.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Builds a valid base request for the endpoints of one family; the mutator then breaks it.</summary>
public interface IFuzzGenerator
{
    bool Covers(FuzzEndpoint endpoint);

    FuzzRequest Build(FuzzEndpoint endpoint, string method, Random r, FuzzContext context);
}

public static class FuzzEndpoints
{
    /// <summary>Every generator; an endpoint that none of them covers fails the coverage test.</summary>
    public static readonly IReadOnlyList<IFuzzGenerator> Generators =
    [
        new TokenEndpointGenerator(),
        new BackChannelGenerator(),
        new BrowserEndpointGenerator(),
        new AccountPageGenerator(),
        new AdminApiGenerator(),
        new AdminPageGenerator(),
        new MiscGenerator(),
        new HealthGenerator(),
    ];

    /// <summary>The routes of the running app, read from its EndpointDataSource, so a new endpoint is never missed.</summary>
    public static IReadOnlyList<FuzzEndpoint> Discover(IServiceProvider services)
    {
        var source = services.GetRequiredService<EndpointDataSource>();
        return source.Endpoints.OfType<RouteEndpoint>()
            .Select(e => new FuzzEndpoint(
                "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'),
                e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.ToArray() is { Length: > 0 } methods ? methods : ["GET", "POST"]))
            .GroupBy(e => e.Pattern, StringComparer.OrdinalIgnoreCase)
            .Select(g => new FuzzEndpoint(g.Key, g.SelectMany(e => e.Methods).Distinct().Order().ToArray()))
            .OrderBy(e => e.Pattern, StringComparer.Ordinal)
            .ToList();
    }

    public static IFuzzGenerator? GeneratorFor(FuzzEndpoint endpoint) => Generators.FirstOrDefault(g => g.Covers(endpoint));

    /// <summary>Which pipeline branch answers a path (AuthServerApp: protocol, admin API, pages).</summary>
    public static FuzzFamily FamilyOf(string path) =>
        path.StartsWith("/connect/authorize", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/connect/endsession", StringComparison.OrdinalIgnoreCase)
            ? FuzzFamily.BrowserProtocol
            : path.StartsWith("/connect", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/.well-known", StringComparison.OrdinalIgnoreCase)
                ? FuzzFamily.Protocol
                : path.StartsWith("/admin/api", StringComparison.OrdinalIgnoreCase) ? FuzzFamily.AdminApi
                : path.StartsWith("/health", StringComparison.OrdinalIgnoreCase) ? FuzzFamily.Health : FuzzFamily.Page;

    public static FuzzRequest Base(FuzzEndpoint endpoint, string method, string path) => new()
    {
        Family = FamilyOf(path),
        Endpoint = endpoint.Pattern,
        Method = method,
        Path = path,
    };

    public static T Pick<T>(this Random r, params T[] values) => values[r.Next(values.Length)];

    /// <summary>Adds the form body with its content type.</summary>
    public static FuzzRequest WithForm(this FuzzRequest request, params (string Name, string Value)[] fields)
    {
        request.Form = [.. fields];
        request.SetHeader("Content-Type", "application/x-www-form-urlencoded");
        return request;
    }

    public static FuzzRequest WithBasic(this FuzzRequest request, (string Id, string Secret) client)
    {
        request.SetHeader("Authorization", Infrastructure.AuthServerHost.BasicHeader(client.Id, client.Secret).ToString());
        return request;
    }
}
