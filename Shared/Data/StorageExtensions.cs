using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Shared.Data;

public static class StorageExtensions
{
    public static IServiceCollection AddPostgres(this IServiceCollection services, IConfiguration configuration)
    {
        var cs = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
        services.AddSingleton(_ => CreatePostgres(cs));
        return services;
    }

    /// <summary>A data source as the services use it; the claim-insert benchmark opens its own the same way.</summary>
    public static NpgsqlDataSource CreatePostgres(string connectionString)
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            // The same few statements run thousands of times a second; prepared once per connection they skip parse and plan.
            builder.MaxAutoPrepare = 32;
        }
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    public static IServiceCollection AddRedis(this IServiceCollection services, IConfiguration configuration)
    {
        var cs = configuration.GetConnectionString("Redis")
            ?? throw new InvalidOperationException("ConnectionStrings:Redis is not set.");
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(cs));
        return services;
    }
}
