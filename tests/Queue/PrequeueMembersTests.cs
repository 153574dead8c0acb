using FlashSale.Shared.Redis;
using FlashSale.WaitingRoom.Queue;
using Microsoft.Extensions.Time.Testing;

namespace FlashSale.Tests.Queue;

/// <summary>The edge's memory of who is in a pre-queue: never more than Redis said, and never a member who has left since.</summary>
public sealed class PrequeueMembersTests
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private static readonly string Ann = QueueMember.Of("ann");
    private static readonly string Bob = QueueMember.Of("bob");

    [Fact]
    public void Add_ThenContains_OnlyInThatCampaign()
    {
        var members = new PrequeueMembers(100, clock);

        members.Add(members.Watch("c1"), Ann, clock.GetUtcNow().AddMinutes(5));

        Assert.True(members.Contains("c1", Ann));
        Assert.False(members.Contains("c1", Bob));
        Assert.False(members.Contains("c2", Ann));
        Assert.Equal(1, members.Count);
    }

    [Fact]
    public void Add_OfAnAnswerAskedBeforeALeave_IsRefused_EvenForAnotherMember()
    {
        var members = new PrequeueMembers(100, clock);
        var askedBefore = members.Watch("c1");

        // Redis may have answered "in line" before this leave went through: the answer is stale, whoever it was for.
        members.Remove("c1", Bob);
        members.Add(askedBefore, Ann, clock.GetUtcNow().AddMinutes(5));
        Assert.False(members.Contains("c1", Ann));

        members.Add(members.Watch("c1"), Ann, clock.GetUtcNow().AddMinutes(5));
        Assert.True(members.Contains("c1", Ann));
        members.Remove("c1", Ann);
        Assert.False(members.Contains("c1", Ann));
        Assert.Equal(0, members.Count);
    }

    [Fact]
    public void Add_BeyondTheCapacity_IsNotKept()
    {
        var members = new PrequeueMembers(2, clock);
        var startsAt = clock.GetUtcNow().AddMinutes(5);

        foreach (var user in new[] { "a", "b", "c" })
        {
            members.Add(members.Watch("c1"), QueueMember.Of(user), startsAt);
        }

        Assert.Equal(2, members.Count);
        Assert.False(members.Contains("c1", QueueMember.Of("c")));
    }

    [Fact]
    public void DropStartedOrIdle_ForgetsACampaignOnceItStarts_OrAMinuteAfterItsLastUse()
    {
        var members = new PrequeueMembers(100, clock);
        members.Add(members.Watch("soon"), Ann, clock.GetUtcNow().AddSeconds(10));
        members.Add(members.Watch("later"), Ann, clock.GetUtcNow().AddHours(1));

        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.True(members.Contains("later", Ann));
        members.DropStartedOrIdle();

        Assert.False(members.Contains("soon", Ann));
        Assert.True(members.Contains("later", Ann));
        Assert.Equal(1, members.Count);

        clock.Advance(TimeSpan.FromSeconds(61));
        members.DropStartedOrIdle();
        Assert.False(members.Contains("later", Ann));
        Assert.Equal(0, members.Count);
    }

    [Fact]
    public void Add_ToASetDroppedSinceTheQuestion_IsRefused()
    {
        var members = new PrequeueMembers(100, clock);
        var asked = members.Watch("c1");

        // Dropped (or cleared after a lost subscription) while the question was out: a leave in that gap had no set to
        // move on, so the answer cannot be trusted, not even in a new set.
        members.Clear();
        members.Add(asked, Ann, clock.GetUtcNow().AddMinutes(5));

        Assert.False(members.Contains("c1", Ann));
        Assert.Equal(0, members.Count);
    }

    [Fact]
    public async Task AddRacingALeave_FromManyThreads_TheLeaverIsNeverLeftBehind()
    {
        var members = new PrequeueMembers(1_000_000, clock);
        var startsAt = clock.GetUtcNow().AddMinutes(5);
        var users = Enumerable.Range(0, 20_000).Select(i => QueueMember.Of($"racer-{i}")).ToArray();

        // Each poll asked Redis before its shopper's leave went through, so whichever of its add and the leave runs
        // first on the edge, the shopper must not be remembered as in line.
        await Parallel.ForEachAsync(users, async (member, _) =>
        {
            var asked = members.Watch("c1");
            var add = Task.Run(() => members.Add(asked, member, startsAt));
            var leave = Task.Run(() => members.Remove("c1", member));
            await Task.WhenAll(add, leave);
        });

        Assert.DoesNotContain(users, member => members.Contains("c1", member));
        Assert.Equal(0, members.Count);
    }
}
