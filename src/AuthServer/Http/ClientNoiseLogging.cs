namespace AuthServer.Http;

/// <summary>
/// Framework log entries that any client can cause with a bad cookie are not errors of this server: logged at Error,
/// they would let anyone fill the error log and page whoever watches it. They stay visible down to Warning.
/// </summary>
public static class ClientNoiseLogging
{
    /// <summary>
    /// Antiforgery logs "An exception was thrown while deserializing the token" at Error for a cookie or form token that
    /// does not decrypt (truncated, tampered, from another deployment); the request is then refused with 400 anyway.
    /// </summary>
    public const string AntiforgeryCategory = "Microsoft.AspNetCore.Antiforgery";

    public static ILoggingBuilder AddClientNoiseFilters(this ILoggingBuilder logging) =>
        logging.AddFilter(AntiforgeryCategory, level => level is LogLevel.Warning or LogLevel.Critical);
}
