namespace FlashSale.Tests.Queue;

public sealed class StatisticsTests
{
    [Fact]
    public void Spearman_SameOrder_IsOne_ReversedOrder_IsMinusOne()
    {
        double[] x = [1, 2, 3, 4, 5];
        Assert.Equal(1.0, Statistics.Spearman(x, x), 9);
        Assert.Equal(-1.0, Statistics.Spearman(x, [50, 40, 30, 20, 10]), 9);
    }
}
