using System.Xml.Linq;
using AuthServer.Data.Stores;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace AuthServer.DataProtection;

/// <summary>
/// Data Protection's key ring in the database, so every node on it reads the same keys: a session cookie or an
/// antiforgery token made by one node is accepted by the others.
/// </summary>
public sealed class DatabaseXmlRepository(DataProtectionKeyStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => store.LoadAll().Select(x => XElement.Parse(x)).ToList();

    public void StoreElement(XElement element, string friendlyName) =>
        store.Add(friendlyName, element.ToString(SaveOptions.DisableFormatting));
}
