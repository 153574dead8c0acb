using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace FlashSale.Shared.Data;

/// <summary>Hosted services start before Kestrel listens, so no request ever meets an unmigrated database.</summary>
public sealed class MigrateOnStart(NpgsqlDataSource db) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Migrator.ApplyAsync(db, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class MigrateOnStartExtensions
{
    public static IServiceCollection AddMigrateOnStart(this IServiceCollection services) => services.AddHostedService<MigrateOnStart>();
}
