using FlashSale.LoadTests.Cli;

namespace FlashSale.Tests.LoadTests;

public sealed class ClaimInsertCostOptionsTests
{
    [Fact]
    public void Defaults_RunFromOneRowToThreeHundred()
    {
        var o = Commands.ClaimInsertCost(Args.Parse(["claim-insert-cost"]));

        Assert.Equal([1, 10, 30, 70, 150, 300], o.BatchSizes);
        Assert.Equal(5, o.Seconds);
    }

    [Theory]
    [InlineData("--batches", "0,10", "--batches: each size is between 1 and 10000")]
    [InlineData("--batches", "20000", "--batches: each size is between 1 and 10000")]
    [InlineData("--seconds", "0", "--seconds must be at least 1")]
    [InlineData("--warmup-batches", "-1", "--warmup-batches must not be negative")]
    public void OutOfRangeOptions_AreRefusedByName(string option, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => Commands.ClaimInsertCost(Args.Parse(["claim-insert-cost", option, value])));

        Assert.Equal(message, e.Message);
    }
}
