namespace AuthServer.Data.Entities;

/// <summary>
/// One element of ASP.NET Core Data Protection's key ring (a key or a revocation), shared by every node on the
/// database. Rows are only ever added; the XML's secret part is encrypted before it gets here.
/// </summary>
public sealed class DataProtectionKeyEntity
{
    public long Id { get; set; }
    public string FriendlyName { get; set; } = "";
    public string Xml { get; set; } = "";
}
