using FlashSale.LoadTests.Cli;

namespace FlashSale.Tests.LoadTests;

/// <summary>One rule for how a number may be written on the bench's command line, alone or in a list.</summary>
public sealed class ArgsTests
{
    [Fact]
    public void Int_TakesThousandsCommasUnderscoresAndSuffixes()
    {
        var args = Args.Parse(["claim-storm", "--claimers", "2,000,000", "--stock", "20k", "--concurrency", "1_024"]);

        Assert.Equal(2_000_000, args.Int("claimers", 0));
        Assert.Equal(20_000, args.Int("stock", 0));
        Assert.Equal(1_024, args.Int("concurrency", 0));
        Assert.Equal(7, args.Int("absent", 7));
    }

    [Fact]
    public void Ints_SplitsOnCommas_AndWritesEachAsIntDoes_NamingTheBadOne()
    {
        var args = Args.Parse(["limiter-cost", "--addresses", "10k, 100_000,1M", "--bad", "5,lots"]);

        Assert.Equal([10_000, 100_000, 1_000_000], args.Ints("addresses", []));
        Assert.Equal([3], args.Ints("absent", [3]));
        var e = Assert.Throws<UsageException>(() => args.Ints("bad", []));
        Assert.Equal("--bad: 'lots' is not a whole number", e.Message);
    }
}
