namespace FlashSale.Tests.Queue;

public static class Statistics
{
    /// <summary>Spearman's rank correlation (no ties expected: join orders and queue ranks are distinct).</summary>
    public static double Spearman(double[] x, double[] y)
    {
        var rx = Ranks(x);
        var ry = Ranks(y);
        var n = x.Length;
        var d2 = 0.0;
        for (var i = 0; i < n; i++)
        {
            d2 += (rx[i] - ry[i]) * (rx[i] - ry[i]);
        }
        return 1 - 6 * d2 / (n * ((double)n * n - 1));
    }

    private static double[] Ranks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (var r = 0; r < order.Length; r++)
        {
            ranks[order[r]] = r + 1;
        }
        return ranks;
    }
}
