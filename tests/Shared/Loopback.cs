using System.Net;
using System.Net.Sockets;

namespace AuthServer.Testing;

/// <summary>Loopback ports for the servers the tests start, and the repository they run from.</summary>
public static class Loopback
{
    /// <summary>A port free at the moment of asking (a process started next may still lose it to another).</summary>
    public static int FreePort() => FreePorts(1)[0];

    /// <summary>Distinct free ports: the listeners are held open together while they are chosen.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    /// <summary>Whether 127.0.0.1:<paramref name="port"/> accepts a connection within a second.</summary>
    public static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The repository the test binaries were built from (the folder holding AuthServer.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "AuthServer.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("No AuthServer.sln above " + AppContext.BaseDirectory);
    }
}
