namespace AuthServer.Protocol;

/// <summary>Settings the engine needs from the host.</summary>
/// <param name="Issuer">The issuer identifier, exactly as it appears in tokens and metadata.</param>
public sealed record ProtocolSettings(string Issuer);
