namespace AuthServer.Data.Admin;

/// <summary>Who asks for an admin change, as the audit log records it, and (for a person) their user id.</summary>
/// <param name="Actor">"user:{name}" or "client:{id}" (see AdminAccess.Actor).</param>
/// <param name="Source">The caller's IP address.</param>
/// <param name="UserId">The caller's own user id when a person acts: what they may not do to themselves is checked against it.</param>
public sealed record AdminCaller(string Actor, string? Source, string? UserId = null);
