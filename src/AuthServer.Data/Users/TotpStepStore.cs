namespace AuthServer.Data.Users;

/// <summary>Records the TOTP step a user last signed in with, atomically, so each code is accepted once.</summary>
public sealed class TotpStepStore(AuthServerDatabase database)
{
    /// <summary>
    /// Moves the user's last accepted step forward to <paramref name="step"/>. False when that step (or a later
    /// one) was already accepted: of two sign-ins with the same code at once, exactly one gets true.
    /// </summary>
    public async Task<bool> TryAdvanceAsync(string userId, long step, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "UPDATE users SET totp_last_step = @step WHERE id = @id AND (totp_last_step IS NULL OR totp_last_step < @step)";
        command.AddParameter("@step").Value = step;
        command.AddParameter("@id").Value = userId;
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
