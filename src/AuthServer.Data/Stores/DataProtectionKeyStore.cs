using AuthServer.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Data.Stores;

/// <summary>
/// The rows behind ASP.NET Core Data Protection's key ring. Synchronous, because Data Protection's repository
/// interface is; it is read when a node builds its key ring (at start, then about once a day) and written when a
/// key is made (about every 90 days), never per request.
/// </summary>
public sealed class DataProtectionKeyStore(AuthServerDatabase database)
{
    /// <summary>Every element's XML, oldest first.</summary>
    public IReadOnlyList<string> LoadAll()
    {
        using var db = database.CreateContext();
        return db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).ToList();
    }

    /// <summary>Adds one element: one INSERT, so a node never sees half of it.</summary>
    public void Add(string friendlyName, string xml)
    {
        using var db = database.CreateContext();
        db.DataProtectionKeys.Add(new DataProtectionKeyEntity { FriendlyName = friendlyName, Xml = xml });
        db.SaveChanges();
    }
}
