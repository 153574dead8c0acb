using FlashSale.Admin;
using FlashSale.ClaimApi;
using FlashSale.LoadTests.Cli;
using FlashSale.WaitingRoom;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// The three services on real Kestrel (port 0), against the real Redis and PostgreSQL that `./flashsale test`
/// starts, sharing one clock that tests move by hand. Each test makes its own campaign, so tests never share state.
/// </summary>
public class FlashSaleSystem : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key";

    /// <summary>Short, so a test of the retention moves the shared clock minutes rather than the default hour.</summary>
    public const int QueueRetentionMinutes = 3;
    public const string CheckoutKey = "test-checkout-key";
    public const string AdmissionSecret = "test-admission-secret-0123456789-abcdefghij";
    /// <summary>The key of kid test-0, the one test-1 replaced: still in the set, so tokens it signed stay valid.</summary>
    public const string PreviousAdmissionSecret = "test-admission-previous-0123456789-abcdefgh";
    public const string SessionSecret = "test-session-secret-0123456789-abcdefghijkl";

    public static string Postgres => Environment.GetEnvironmentVariable("FLASHSALE_TEST_POSTGRES")
        ?? "Host=127.0.0.1;Port=5440;Username=flashsale;Database=flashsale_test;Maximum Pool Size=100";

    public static string RedisConnection => Environment.GetEnvironmentVariable("FLASHSALE_TEST_REDIS") ?? "127.0.0.1:6390";

    private readonly List<WebApplication> apps = [];
    private readonly TimeProvider time;

    public FlashSaleSystem()
        : this(null)
    {
    }

    /// <summary>With <paramref name="clock"/> the services run on it instead of <see cref="Clock"/> (a real clock for load runs).</summary>
    protected FlashSaleSystem(TimeProvider? clock) => time = clock ?? Clock;

    /// <summary>The clock tests move by hand; the services ignore it when the system was built with another clock.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public Uri EdgeUrl { get; private set; } = null!;
    public Uri AdminUrl { get; private set; } = null!;
    public const int ClaimInstances = 3;

    public List<Uri> ClaimUrls { get; } = [];
    public HttpClient Edge { get; private set; } = null!;
    public NpgsqlDataSource Db { get; private set; } = null!;
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>This system as a benchmark's target: its edge, keys and stores; reports go to the temp folder.</summary>
    public Target BenchTarget() => new(
        [EdgeUrl], AdminKey, CheckoutKey, Postgres, RedisConnection, new SessionKey("test-session-1", SessionSecret), Path.GetTempPath());

    /// <summary>Every service's arguments, with the HS256 admission key set (test-1 signs, test-0 is the previous key).</summary>
    public static string[] CommonArgs(params string[] more) => [.. ServiceArgs(), .. Hs256AdmissionArgs, .. more];

    public static readonly string[] Hs256AdmissionArgs =
    [
        "--Tokens:Admission:Keys:0:Kid=test-1",
        $"--Tokens:Admission:Keys:0:Secret={AdmissionSecret}",
        "--Tokens:Admission:Keys:1:Kid=test-0",
        $"--Tokens:Admission:Keys:1:Secret={PreviousAdmissionSecret}",
        "--Tokens:Admission:CurrentKid=test-1",
    ];

    /// <summary>The admission key set of the edge (<paramref name="edge"/>, the signer) or of ClaimApi (a verifier).</summary>
    protected virtual string[] AdmissionArgs(bool edge) => Hs256AdmissionArgs;

    /// <summary>Three by default, as `./flashsale up --claim-instances 3` runs them; a fixture that tests tokens only may run fewer.</summary>
    protected virtual int ClaimInstanceCount => ClaimInstances;

    private string[] Args(bool edge, params string[] more) => [.. ServiceArgs(), .. AdmissionArgs(edge), .. more];

    private static string[] ServiceArgs() =>
    [
        "--urls=http://127.0.0.1:0",
        "--environment=Development",
        $"--ConnectionStrings:Postgres={Postgres}",
        $"--ConnectionStrings:Redis={RedisConnection}",
        "--Tokens:Session:Keys:0:Kid=test-session-1",
        $"--Tokens:Session:Keys:0:Secret={SessionSecret}",
        $"--Admin:ApiKey={AdminKey}",
        $"--Admin:QueueRetentionMinutes={QueueRetentionMinutes}",
        $"--ClaimApi:CheckoutApiKey={CheckoutKey}",
        "--Logging:LogLevel:Default=Warning",
        // Every simulated shopper of the suite comes from loopback, so an edge's per-address limit must not count them.
        // Said here, not left to appsettings.Development.json: the test output folder gets one such file from each
        // service it references, and which one lands last depends on the build.
        "--WaitingRoom:RateLimits:ExemptAddresses:0=127.0.0.1",
        "--WaitingRoom:RateLimits:ExemptAddresses:1=::1",
    ];

    public async Task InitializeAsync()
    {
        Db = new NpgsqlDataSourceBuilder(Postgres).Build();
        Redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection);
        AdminUrl = await StartAsync(AdminApp.Create(Args(edge: false), UseClock));
        // Three claim instances behind the edge, as `./flashsale up --claim-instances 3` runs them: every test
        // exercises leases shared between instances, not just one process's memory.
        for (var i = 0; i < ClaimInstanceCount; i++)
        {
            // The first with four group-commit writers (the default is one), so the storms also run batches of one
            // instance racing for the same lease rows.
            ClaimUrls.Add(await StartAsync(ClaimApiApp.Create(
                Args(edge: false, $"--ClaimApi:InstanceId=test-claims-{i + 1}-{Guid.NewGuid():N}", $"--ClaimApi:Writers={(i == 0 ? 4 : 1)}"), UseClock)));
        }
        var edge = NewEdge();
        EdgeUrl = await StartAsync(edge);
        EdgeServices = edge.Services;
        Edge = NewClient();
    }

    /// <summary>The services of the edge behind <see cref="EdgeUrl"/>.</summary>
    public IServiceProvider EdgeServices { get; private set; } = null!;

    /// <summary>An edge in front of this system's Admin and ClaimApi instances, on its clock, with <paramref name="more"/> settings; not started.</summary>
    public WebApplication NewEdge(params string[] more) => WaitingRoomApp.Create(
        Args(edge: true, [$"--Proxy:Admin={AdminUrl}", .. ClaimUrls.Select((u, i) => $"--Proxy:ClaimApi:{i}={u}"), .. more]),
        UseClock);

    public HttpClient NewClient() =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = EdgeUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };

    public void UseClock(IServiceCollection services) => services.AddSingleton(time);

    public async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        apps.Add(app);
        return UrlOf(app);
    }

    /// <summary>Where a started app listens (port 0 picked one), with the trailing slash relative paths need.</summary>
    public static Uri UrlOf(WebApplication app) => new(app.Urls.First().TrimEnd('/') + "/");

    /// <summary>After a test restarted PostgreSQL: drop the pooled connections it killed, so later tests start clean.</summary>
    public void ClearPostgresPools()
    {
        Db.Clear();
        foreach (var app in apps)
        {
            app.Services.GetService<NpgsqlDataSource>()?.Clear();
        }
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Edge?.Dispose();
        if (Db is not null)
        {
            await Db.DisposeAsync();
        }
        Redis?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<FlashSaleSystem>
{
    public const string Name = "system";
}

/// <summary>The same three services on the machine's real clock, for tests that run real load through time (the campaign run).</summary>
public sealed class RealClockSystem() : FlashSaleSystem(TimeProvider.System);

[CollectionDefinition(Name)]
public sealed class RealClockCollection : ICollectionFixture<RealClockSystem>
{
    public const string Name = "real-clock system";
}
