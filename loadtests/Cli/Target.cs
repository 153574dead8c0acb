using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlashSale.LoadTests.Cli;

/// <summary>The HS256 key the edge accepts shopper sessions with (Tokens:Session of the WaitingRoom).</summary>
public sealed record SessionKey(string Kid, string Secret);

/// <summary>
/// The system under test and where results go, as `./flashsale bench` passes them in the environment: edge URLs,
/// API keys, the PostgreSQL and Redis the correctness checks read, and the session signing key.
/// </summary>
public sealed record Target(
    IReadOnlyList<Uri> Edges,
    string AdminKey,
    string CheckoutKey,
    string Postgres,
    string Redis,
    SessionKey Session,
    string ResultsRoot)
{
    /// <summary>Read as .NET's configuration reads appsettings files: comments and trailing commas allowed.</summary>
    private static readonly JsonDocumentOptions AppSettingsJson = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>ClaimApi processes behind the edge as `./flashsale` counted them (FLASHSALE_CLAIM_INSTANCES), when known.</summary>
    public int? ClaimInstancesRunning { get; init; }

    /// <summary>ClaimApi instances' own URLs (FLASHSALE_CLAIMS), for measurements that leave the edge out; empty when not given.</summary>
    public IReadOnlyList<Uri> ClaimApis { get; init; } = [];

    public static Target FromEnvironment()
    {
        static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
        var edges = Env("FLASHSALE_EDGES", Env("FLASHSALE_EDGE", "http://127.0.0.1:8080"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => new Uri(e.TrimEnd('/') + "/"))
            .ToList();
        return new Target(
            edges,
            Env("FLASHSALE_ADMIN_KEY", "dev-admin-key"),
            Env("FLASHSALE_CHECKOUT_KEY", "dev-checkout-key"),
            Env("FLASHSALE_POSTGRES", "Host=127.0.0.1;Port=5440;Username=flashsale;Database=flashsale;Maximum Pool Size=20"),
            Env("FLASHSALE_REDIS", "127.0.0.1:6390"),
            SessionKeyFromEnvironment(),
            Env("FLASHSALE_RESULTS", Path.Combine(Environment.CurrentDirectory, "loadtests", "results")))
        {
            ClaimInstancesRunning = int.TryParse(Environment.GetEnvironmentVariable("FLASHSALE_CLAIM_INSTANCES"), out var n) && n > 0 ? n : null,
            ClaimApis = [.. Env("FLASHSALE_CLAIMS", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => new Uri(c.TrimEnd('/') + "/"))],
        };
    }

    /// <summary>
    /// FLASHSALE_SESSION_SECRET (and _KID) when set; else the Development key the edge itself reads, from
    /// WaitingRoom/appsettings.Development.json under FLASHSALE_ROOT or the nearest folder above that has one.
    /// </summary>
    private static SessionKey SessionKeyFromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("FLASHSALE_SESSION_SECRET") is { Length: > 0 } secret)
        {
            return new SessionKey(Environment.GetEnvironmentVariable("FLASHSALE_SESSION_KID") ?? "dev-session-1", secret);
        }
        var roots = new[] { Environment.GetEnvironmentVariable("FLASHSALE_ROOT"), Environment.CurrentDirectory, AppContext.BaseDirectory };
        if (roots.OfType<string>().Select(SessionKeyAbove).FirstOrDefault(k => k is not null) is { } found)
        {
            return found;
        }
        throw new InvalidOperationException(
            "No session signing key: set FLASHSALE_SESSION_SECRET or run from the repository (WaitingRoom/appsettings.Development.json).");
    }

    /// <summary>The first session key of WaitingRoom/appsettings.Development.json in <paramref name="root"/> or the nearest folder above it that has one.</summary>
    internal static SessionKey? SessionKeyAbove(string root)
    {
        for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "WaitingRoom", "appsettings.Development.json");
            if (File.Exists(file) && JsonNode.Parse(File.ReadAllText(file), documentOptions: AppSettingsJson)?["Tokens"]?["Session"]?["Keys"]?[0] is { } key)
            {
                return new SessionKey(key["Kid"]!.GetValue<string>(), key["Secret"]!.GetValue<string>());
            }
        }
        return null;
    }
}
