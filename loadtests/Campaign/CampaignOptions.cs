namespace FlashSale.LoadTests.Campaign;

public enum WaitMode
{
    Poll,
    Sse,
}

/// <summary>
/// Everything a `campaign` run can be told; the defaults are a quick local rehearsal. The command line scales stock
/// (5% of shoppers) and admission rate (shoppers/400 within 500–5,000/s) with --shoppers when they are not given.
/// </summary>
public sealed record CampaignOptions
{
    /// <summary>Simulated people, bots included (up to 2,000,000).</summary>
    public int Shoppers { get; init; } = 20_000;

    /// <summary>Coupons in the campaign.</summary>
    public int Stock { get; init; } = 1_000;

    /// <summary>Admission rate, shoppers per second.</summary>
    public int Rate { get; init; } = 1_000;

    /// <summary>The campaign's window after its start; arrivals stop at its end.</summary>
    public int DurationSeconds { get; init; } = 300;

    /// <summary>The campaign starts this long after it is created; the pre-queue fills meanwhile.</summary>
    public int StartsInSeconds { get; init; } = 20;

    /// <summary>Share of the simulated people who are bots.</summary>
    public double BotShare { get; init; } = 0.02;

    /// <summary>Share of winners whose order reaches checkout, which redeems the coupon.</summary>
    public double RedeemShare { get; init; } = 0.5;

    /// <summary>Share of redeemers whose checkout submits a second, different order with the same coupon (it must be refused).</summary>
    public double DoubleRedeemShare { get; init; } = 0.05;

    public WaitMode Wait { get; init; } = WaitMode.Poll;

    /// <summary>Worker loops, which is also the most requests in flight at once (and connections per edge).</summary>
    public int Connections { get; init; } = 256;

    /// <summary>Edge instances to spread shoppers over (the first N of the target's edges).</summary>
    public int Edges { get; init; } = 1;

    /// <summary>ClaimApi instances behind the edge; the edge balances claims over them (recorded in the report).</summary>
    public int ClaimInstances { get; init; } = 1;

    public bool Http2 { get; init; }

    /// <summary>Half-width of the burst of arrivals around the start.</summary>
    public double BurstSeconds { get; init; } = 5;

    /// <summary>Mean delay of the tail of arrivals after the start.</summary>
    public double TailSeconds { get; init; } = 20;

    /// <summary>Shares of arrivals that come early (spread over the wait before the burst) and in the burst; the rest is the tail.</summary>
    public double EarlyShare { get; init; } = 0.25;

    public double BurstShare { get; init; } = 0.5;

    /// <summary>A waiting shopper polls again after half its ETA, kept between these bounds, with ±20% jitter.</summary>
    public double PollMinSeconds { get; init; } = 1;

    public double PollMaxSeconds { get; init; } = 30;

    /// <summary>Pre-queue shoppers' first poll after the start is spread uniformly over this many seconds.</summary>
    public double FirstPollSpreadSeconds { get; init; } = 3;

    /// <summary>Requests each bot makes before it gives up.</summary>
    public int BotRequests { get; init; } = 5;

    /// <summary>With --wait sse: the most streams open at once; shoppers beyond it poll.</summary>
    public int SseStreams { get; init; } = 1_000;

    /// <summary>Retries of one step after a 503, a 429 or a transport failure before the shopper gives up.</summary>
    public int MaxRetries { get; init; } = 5;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Seeds the arrival curve and who is a bot or a redeemer, so two runs with one seed simulate the same people.</summary>
    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>
    /// Seconds after the campaign's end by which every shopper must be done; the run stops there regardless. Long by
    /// default because at 2M shoppers the arrivals lag the curve by minutes on one machine; a run ends as soon as
    /// every shopper is done, so the bound only matters when something is stuck.
    /// </summary>
    public int GraceSeconds { get; init; } = 600;

    /// <summary>
    /// The campaign's position expiry. Well above the 120 s a shop would use: on a 2-core machine the generator falls
    /// minutes behind its arrival curve at 2M shoppers, and its pages would lose places for polls a real page makes on time.
    /// </summary>
    public int PositionExpirySeconds { get; init; } = 900;

    /// <summary>Print the progress line (off in tests).</summary>
    public bool ShowProgress { get; init; } = true;

    /// <summary>Write summary.md, report.html and the CSV under the results folder.</summary>
    public bool WriteReport { get; init; } = true;

    public IEnumerable<string> Validate()
    {
        if (Shoppers is < 1 or > 2_000_000)
        {
            yield return "--shoppers must be between 1 and 2,000,000";
        }
        if (Stock < 1)
        {
            yield return "--stock must be at least 1";
        }
        if (Rate < 1)
        {
            yield return "--rate must be at least 1";
        }
        if (DurationSeconds is < 10 or > 86_400)
        {
            yield return "--duration must be between 10 and 86,400 seconds";
        }
        if (StartsInSeconds is < 2 or > 3_600)
        {
            yield return "--starts-in must be between 2 and 3,600 seconds";
        }
        foreach (var (name, share) in new[] { ("--bots", BotShare), ("--redeem-share", RedeemShare), ("--double-redeem-share", DoubleRedeemShare) })
        {
            if (share is < 0 or > 1)
            {
                yield return $"{name} must be a share between 0 and 1";
            }
        }
        if (EarlyShare < 0 || BurstShare < 0 || EarlyShare + BurstShare > 1)
        {
            yield return "the early and burst shares must be >= 0 and add up to at most 1";
        }
        if (Connections is < 1 or > 10_000)
        {
            yield return "--connections must be between 1 and 10,000";
        }
        if (PollMinSeconds <= 0 || PollMaxSeconds < PollMinSeconds)
        {
            yield return "--poll-min must be > 0 and at most --poll-max";
        }
    }
}
