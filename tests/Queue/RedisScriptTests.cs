using FlashSale.Shared.Redis;
using FlashSale.Tests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

[Collection(SystemCollection.Name)]
public sealed class RedisScriptTests(FlashSaleSystem sys)
{
    [Fact]
    public async Task Run_NamesBecomeKeysAndArguments_AndAfterRedisForgetsTheScriptItIsSentAgain()
    {
        var script = new RedisScript($"redis.call('SET', @target, @value) return redis.call('GET', @target) .. @suffix -- {Guid.NewGuid()}", ["target"], ["value", "suffix"]);
        Assert.StartsWith("redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1]) .. ARGV[2] --", script.Text, StringComparison.Ordinal);
        var db = sys.Redis.GetDatabase();
        var key = $"fs:script-test:{Guid.NewGuid()}";

        // A script Redis has never seen: EVALSHA answers NOSCRIPT, and the text goes instead.
        Assert.Equal("a!", (string?)await script.RunAsync(db, [key], ["a", "!"]));
        Assert.Equal("b!", (string?)await script.RunAsync(db, [key], ["b", "!"]));
        await db.ExecuteAsync("SCRIPT", "FLUSH");
        Assert.Equal("c?", (string?)await script.RunAsync(db, [key], ["c", "?"]));
    }

    [Fact]
    public void New_AnUndeclaredName_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new RedisScript("return @missing", [], ["present"]));
    }

    [Fact]
    public async Task Run_TheWrongNumberOfValues_IsRefusedBeforeAnythingIsSent()
    {
        var script = new RedisScript("return @a", [], ["a"]);
        await Assert.ThrowsAsync<ArgumentException>(() => script.RunAsync(sys.Redis.GetDatabase(), [], []));
    }
}
