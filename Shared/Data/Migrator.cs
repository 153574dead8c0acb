using System.Reflection;
using Dapper;
using Npgsql;

namespace FlashSale.Shared.Data;

/// <summary>Applies the numbered SQL files in Migrations/ once each, in order; safe to run from several processes at once.</summary>
public static class Migrator
{
    // Any constant works; it only has to be the same in every process that migrates.
    private const long LockKey = 0x466C61736853616C;

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync("select pg_advisory_xact_lock(@LockKey)", new { LockKey }, tx);
        await conn.ExecuteAsync("create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())", transaction: tx);
        var applied = (await conn.QueryAsync<string>("select version from schema_migrations", transaction: tx)).ToHashSet();
        foreach (var (version, sql) in Scripts())
        {
            if (applied.Contains(version))
            {
                continue;
            }
            await conn.ExecuteAsync(sql, transaction: tx);
            await conn.ExecuteAsync("insert into schema_migrations (version) values (@version)", new { version }, tx);
        }
        await tx.CommitAsync(ct);
    }

    private static IEnumerable<(string Version, string Sql)> Scripts()
    {
        var assembly = typeof(Migrator).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var file = name[(name.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            yield return (file[..^4], reader.ReadToEnd());
        }
    }
}
