using System.CommandLine;
using AuthServer.Data;
using AuthServer.Data.Entities;
using AuthServer.Data.Migrations;
using AuthServer.Hosting;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Cli;

/// <summary>`authserver users add`: how the first admin (and any user, as there is no self-registration) is made.</summary>
internal static class UsersCommand
{
    public static Command Build()
    {
        var userName = new Argument<string>("username") { Description = "The name the user signs in with." };
        var email = new Option<string?>("--email") { Description = "The user's email address." };
        var roles = new Option<string[]>("--role") { Description = "A role to give the user (repeatable), e.g. admin.", AllowMultipleArgumentsPerToken = false };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input." };
        var add = new Command("add", "Create a user. The password is asked for, or read from standard input with --password-stdin.")
        {
            userName, email, roles, passwordStdin,
        };
        add.SetAction(async (parse, ct) => await AddAsync(
            parse.GetValue(userName)!, parse.GetValue(email), parse.GetValue(roles) ?? [], parse.GetValue(passwordStdin), ct));
        return new Command("users", "Manage the people who sign in.") { add };
    }

    private static async Task<int> AddAsync(string userName, string? email, string[] roles, bool passwordStdin, CancellationToken ct)
    {
        var password = passwordStdin ? await Console.In.ReadLineAsync(ct) : PromptPassword();
        if (password is null)
        {
            await Console.Error.WriteLineAsync("No password: type it when asked, or pipe it in with --password-stdin.");
            return 2;
        }

        var options = AuthServerApp.LoadOptions(CliConfiguration.Build());
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => AuthServerApp.CreateDatabase(options));
        services.AddAuthServerUsers(options.Users);
        await using var provider = services.BuildServiceProvider();

        var database = provider.GetRequiredService<AuthServerDatabase>();
        CliDatabase.EnsureSqliteFolder(database);
        if (options.MigrateOnStart)
        {
            await new MigrationRunner(database, TimeProvider.System).MigrateAsync(ct);
        }

        await using var scope = provider.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<UserEntity>>();
        var roleManager = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();

        // All or nothing: a refused password or name leaves no role or user behind.
        await using var transaction = await scope.ServiceProvider.GetRequiredService<AuthServerDbContext>().Database.BeginTransactionAsync(ct);
        var user = new UserEntity
        {
            UserName = userName,
            Email = email,
            CreatedAt = TimeProvider.System.GetUtcNow(),
        };

        foreach (var role in roles.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!await roleManager.RoleExistsAsync(role) && !Succeeded(await roleManager.CreateAsync(new IdentityRole(role)), $"role '{role}'"))
            {
                return 2;
            }
        }

        // Identity validates the name, uniqueness and the password policy before anything is written.
        if (!Succeeded(await users.CreateAsync(user, password), $"user '{userName}'"))
        {
            return 2;
        }

        if (roles.Length > 0 && !Succeeded(await users.AddToRolesAsync(user, roles.Distinct(StringComparer.OrdinalIgnoreCase)), "roles"))
        {
            return 2;
        }

        await transaction.CommitAsync(ct);
        Console.WriteLine(roles.Length == 0
            ? $"Created user '{userName}'."
            : $"Created user '{userName}' with role {string.Join(", ", roles)}.");
        return 0;
    }

    private static bool Succeeded(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            Console.Error.WriteLine($"Cannot create {what}:");
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"  {error.Description}");
            }
        }

        return result.Succeeded;
    }

    /// <summary>Asks twice without echoing; null when there is no terminal or the two differ.</summary>
    private static string? PromptPassword()
    {
        if (Console.IsInputRedirected)
        {
            return null;
        }

        var first = ReadHidden("Password: ");
        var second = ReadHidden("Repeat the password: ");
        if (first != second)
        {
            Console.Error.WriteLine("The two passwords differ.");
            return null;
        }

        return first;
    }

    private static string ReadHidden(string prompt)
    {
        Console.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
