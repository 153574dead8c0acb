using FlashSale.LoadTests.Cli;
using Microsoft.Extensions.Configuration;

namespace FlashSale.Tests.LoadTests;

/// <summary>`./flashsale bench` signs shopper sessions with the key the edge reads in Development, from the same file.</summary>
public sealed class TargetTests
{
    [Fact]
    public void SessionKeyAbove_ReadsTheKeyTheEdgesConfigurationReads_CommentsAndAll()
    {
        var key = Target.SessionKeyAbove(AppContext.BaseDirectory);

        Assert.NotNull(key);
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "WaitingRoom", "appsettings.Development.json")))
        {
            root = root.Parent!;
        }
        var edge = new ConfigurationBuilder().AddJsonFile(Path.Combine(root.FullName, "WaitingRoom", "appsettings.Development.json")).Build();
        Assert.Equal(edge["Tokens:Session:Keys:0:Kid"], key.Kid);
        Assert.Equal(edge["Tokens:Session:Keys:0:Secret"], key.Secret);
    }
}
