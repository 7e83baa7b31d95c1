namespace AuthServer.Configuration;

/// <summary>The "AuthServer:Health" section: how /health/ready probes the database.</summary>
public sealed class HealthOptions
{
    /// <summary>How long the readiness probe waits for the database (connect, query, SQLite write lock) before it calls it away.</summary>
    public TimeSpan DatabaseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one probe's answer is reused: however many load balancers ask, the database sees at most one probe
    /// per this interval (and never two at once).
    /// </summary>
    public TimeSpan ReadyCacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate(List<string> errors)
    {
        if (DatabaseTimeout < TimeSpan.FromMilliseconds(100) || DatabaseTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("AuthServer:Health:DatabaseTimeout must be between 00:00:00.1 and 00:00:30: a readiness probe must answer before the load balancer gives up on it.");
        }

        if (ReadyCacheDuration < TimeSpan.Zero || ReadyCacheDuration > TimeSpan.FromSeconds(30))
        {
            errors.Add("AuthServer:Health:ReadyCacheDuration must be between 00:00:00 and 00:00:30.");
        }
    }
}
