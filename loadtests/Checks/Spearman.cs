namespace FlashSale.LoadTests.Checks;

/// <summary>Spearman's rank correlation of two sequences of distinct values (join order numbers, queue ranks), in O(n log n).</summary>
public static class Spearman
{
    public static double Rho(int[] x, int[] y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("The sequences differ in length.");
        }
        var n = x.Length;
        if (n < 2)
        {
            return double.NaN;
        }
        var rx = Ranks(x);
        var ry = Ranks(y);
        var d2 = 0.0;
        for (var i = 0; i < n; i++)
        {
            double d = rx[i] - ry[i];
            d2 += d * d;
        }
        return 1 - 6 * d2 / (n * ((double)n * n - 1));
    }

    /// <summary>
    /// Under independence rho has mean 0 and standard deviation 1/sqrt(n-1); six of them bound a truly random order
    /// with a false alarm rate near 2e-9, while a FIFO pre-queue (rho = 1) fails at any n above 37.
    /// </summary>
    public static double RandomBound(int n) => 6 / Math.Sqrt(Math.Max(1, n - 1));

    private static int[] Ranks(int[] values)
    {
        var keys = (int[])values.Clone();
        var order = new int[values.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        Array.Sort(keys, order);
        var ranks = new int[values.Length];
        for (var r = 0; r < order.Length; r++)
        {
            ranks[order[r]] = r;
        }
        return ranks;
    }
}
