using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace FlashSale.Shared.Redis;

/// <summary>
/// A Lua script sent as EVALSHA with a SHA computed once. StackExchange.Redis's <see cref="LuaScript"/> finds the SHA
/// by hashing the script's whole text on every call (twice when the write is queued): perf put that at 5–7% of the
/// edge's CPU in a storm of polls. Scripts name their inputs <c>@like_this</c>; keys and arguments are declared in
/// order and passed as arrays in that order. When Redis has lost the script (a restart), the text is sent once more.
/// </summary>
public sealed partial class RedisScript
{
    private readonly byte[] sha1;

    public RedisScript(string lua, IReadOnlyList<string> keys, IReadOnlyList<string> args)
    {
        Keys = keys;
        Args = args;
        Text = Placeholder().Replace(lua, m =>
        {
            var name = m.Groups[1].Value;
            var key = IndexOf(keys, name);
            var arg = IndexOf(args, name);
            return key >= 0 ? $"KEYS[{key + 1}]" : arg >= 0 ? $"ARGV[{arg + 1}]" : throw new ArgumentException($"The script names @{name}, which is neither a declared key nor argument.", nameof(lua));
        });
        sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Text));
    }

    public string Text { get; }

    public IReadOnlyList<string> Keys { get; }

    public IReadOnlyList<string> Args { get; }

    public async Task<RedisResult> RunAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args)
    {
        if (keys.Length != Keys.Count || args.Length != Args.Count)
        {
            throw new ArgumentException($"The script takes {Keys.Count} keys and {Args.Count} arguments, not {keys.Length} and {args.Length}.");
        }
        try
        {
            return await db.ScriptEvaluateAsync(sha1, keys, args);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // Not on db itself: when it is a batch that has already been sent, a command added to it would never go.
            return await db.Multiplexer.GetDatabase().ScriptEvaluateAsync(Text, keys, args);
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }
        return -1;
    }

    [GeneratedRegex("@([A-Za-z][A-Za-z0-9]*)")]
    private static partial Regex Placeholder();
}
