namespace AuthServer.Protocol.Grants;

/// <summary>The registered grant handlers: the token endpoint dispatches on them and discovery lists them.</summary>
public sealed class GrantHandlers(IEnumerable<IGrantHandler> handlers)
{
    private readonly Dictionary<string, IGrantHandler> _byName = handlers.ToDictionary(h => h.GrantType, StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _byName.Keys.Order(StringComparer.Ordinal).ToList();

    public IGrantHandler? Find(string grantType) => _byName.GetValueOrDefault(grantType);
}
