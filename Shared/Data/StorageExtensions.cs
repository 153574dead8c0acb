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
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var builder = new NpgsqlConnectionStringBuilder(cs);
        if (builder.MaxAutoPrepare == 0)
        {
            // The same few statements run thousands of times a second; prepared once per connection they skip parse and plan.
            builder.MaxAutoPrepare = 32;
        }
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(builder.ConnectionString).Build());
        return services;
    }

    public static IServiceCollection AddRedis(this IServiceCollection services, IConfiguration configuration)
    {
        var cs = configuration.GetConnectionString("Redis")
            ?? throw new InvalidOperationException("ConnectionStrings:Redis is not set.");
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(cs));
        return services;
    }
}
