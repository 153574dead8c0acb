namespace FlashSale.LoadTests.Campaign;

/// <summary>
/// When people arrive, in milliseconds after the campaign was created (the start is at <c>startsIn</c>): an early share
/// spread evenly over the wait, a burst peaking at the start (triangular, ± the burst width), and an exponential tail
/// after it, cut at the campaign's end. Sorted, so the shopper with number i is the i-th to arrive.
/// </summary>
public static class ArrivalCurve
{
    public static int[] Generate(CampaignOptions o)
    {
        var random = new Random(o.Seed);
        var start = o.StartsInSeconds;
        var end = start + o.DurationSeconds;
        var burstFrom = Math.Max(0, start - o.BurstSeconds);
        var burstTo = Math.Min(end, start + o.BurstSeconds);
        var earlyTo = burstFrom > 0 ? burstFrom : start;
        var tailCut = 1 - Math.Exp(-o.DurationSeconds / o.TailSeconds);
        var arrivals = new int[o.Shoppers];
        for (var i = 0; i < arrivals.Length; i++)
        {
            var pick = random.NextDouble();
            var u = random.NextDouble();
            double seconds;
            if (pick < o.EarlyShare)
            {
                seconds = u * earlyTo;
            }
            else if (pick < o.EarlyShare + o.BurstShare)
            {
                seconds = Triangular(u, burstFrom, start, burstTo);
            }
            else
            {
                // Inverse CDF of an exponential cut at the end, so no arrival falls after the campaign.
                seconds = start - o.TailSeconds * Math.Log(1 - u * tailCut);
            }
            arrivals[i] = (int)Math.Clamp(seconds * 1000, 0, end * 1000.0 - 1);
        }
        Array.Sort(arrivals);
        return arrivals;
    }

    private static double Triangular(double u, double a, double mode, double b)
    {
        if (b <= a)
        {
            return a;
        }
        var split = (mode - a) / (b - a);
        return u < split
            ? a + Math.Sqrt(u * (b - a) * (mode - a))
            : b - Math.Sqrt((1 - u) * (b - a) * (b - mode));
    }
}
