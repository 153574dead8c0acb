using FlashSale.Shared.Redis;

namespace FlashSale.Tests.Queue;

public sealed class QueueMemberTests
{
    [Theory]
    [InlineData("u")]
    [InlineData("shopper-1234567890")]
    [InlineData("0b6a3c5e-7f7c-4c1e-9d55-3f0a8e5f2c11")]
    [InlineData("ünïcødé-shopper")]
    public void Of_AnyUserId_IsFourteenUrlSafeCharacters_TheSameEveryTime(string userId)
    {
        var member = QueueMember.Of(userId);
        Assert.Equal(QueueMember.Length, member.Length);
        Assert.Matches("^[A-Za-z0-9_-]{14}$", member);
        Assert.Equal(member, QueueMember.Of(userId));
    }

    [Fact]
    public void Of_ManyUsers_NoTwoShareAMember()
    {
        var members = Enumerable.Range(0, 200_000).Select(i => QueueMember.Of($"user-{i}")).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(200_000, members.Count);
        Assert.Equal(QueueMember.Length, QueueMember.Of(new string('x', 10_000)).Length);
    }
}
