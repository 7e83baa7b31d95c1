using System.Diagnostics;
using System.Text;

namespace AuthServer.Testing;

/// <summary>What a finished child process printed and returned.</summary>
public sealed record ChildProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() =>
        $"`{Command}` exited with {ExitCode}.\n--- stdout ---\n{StandardOutput.TrimEnd()}\n--- stderr ---\n{StandardError.TrimEnd()}";
}

/// <summary>
/// A child process started with an argument list (no shell), its output captured from the start, and waited
/// for with a time limit: past it the process tree is killed.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private ChildProcess(Process process, string command, Task<string> stdout, Task<string> stderr)
    {
        _process = process;
        Command = command;
        _stdout = stdout;
        _stderr = stderr;
        Exited = process.WaitForExitAsync();
    }

    public string Command { get; }

    public int Id => _process.Id;

    /// <summary>Completes when the process exits.</summary>
    public Task Exited { get; }

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        return info;
    }

    /// <summary>Starts the process; <paramref name="standardInput"/>, if given, is written to it before its input is closed.</summary>
    public static ChildProcess Start(ProcessStartInfo info, string? standardInput = null)
    {
        var command = string.Join(' ', new[] { info.FileName }.Concat(info.ArgumentList)
            .Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        var process = new Process { StartInfo = info };
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"Could not start `{command}`.");
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start `{command}`: {e.Message}", e);
        }

        if (info.RedirectStandardInput)
        {
            if (standardInput is not null)
            {
                process.StandardInput.Write(standardInput);
            }

            process.StandardInput.Close();
        }

        // Read both pipes at once, so a child that fills one while we wait on the other cannot deadlock.
        var stdout = info.RedirectStandardOutput ? process.StandardOutput.ReadToEndAsync() : Task.FromResult("");
        var stderr = info.RedirectStandardError ? process.StandardError.ReadToEndAsync() : Task.FromResult("");
        return new ChildProcess(process, command, stdout, stderr);
    }

    /// <summary>Starts, and waits for the exit (see <see cref="WaitAsync"/>).</summary>
    public static async Task<ChildProcessResult> RunAsync(ProcessStartInfo info, TimeSpan timeout, string? standardInput = null)
    {
        using var process = Start(info, standardInput);
        return await process.WaitAsync(timeout);
    }

    /// <summary>Like <see cref="RunAsync"/>, and throws, with everything the process printed, unless it exits with 0.</summary>
    public static async Task<ChildProcessResult> RunCheckedAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        var result = await RunAsync(info, timeout);
        return result.ExitCode == 0 ? result : throw new InvalidOperationException(result.ToString());
    }

    /// <summary>Waits for the exit and the end of its output. Past <paramref name="timeout"/> kills the process tree and throws TimeoutException.</summary>
    public async Task<ChildProcessResult> WaitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await Task.WhenAll(Exited, _stdout, _stderr).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Kill();
            var partial = string.Join("\n", new[] { _stdout, _stderr }.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            throw new TimeoutException($"`{Command}` did not finish within {timeout.TotalSeconds:0}s and was killed.\n{partial}");
        }

        return new ChildProcessResult(Command, _process.ExitCode, await _stdout, await _stderr);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }
}
