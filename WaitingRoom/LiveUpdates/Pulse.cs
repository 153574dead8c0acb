namespace FlashSale.WaitingRoom.LiveUpdates;

/// <summary>
/// One link of a campaign's broadcast: a snapshot, and the task that completes with the next link. Listeners walk the
/// chain at their own pace and skip to the newest link when they fall behind (each snapshot is whole, so skipping
/// loses nothing); links nobody holds any more are garbage. Publishing is one task completion, whatever the audience.
/// </summary>
public sealed class Pulse(CampaignSnapshot snapshot, bool heartbeat)
{
    // Listeners' continuations go to the thread pool, so the feed's loop never runs a listener's write.
    private readonly TaskCompletionSource<Pulse> next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CampaignSnapshot Snapshot { get; } = snapshot;

    /// <summary>Time for listeners to send <c>: ping</c>.</summary>
    public bool Heartbeat { get; } = heartbeat;

    /// <summary>Completes with the next link; cancelled when the feed stops.</summary>
    public Task<Pulse> Next => next.Task;

    /// <summary>The newest link already published after this one.</summary>
    public Pulse Latest()
    {
        var p = this;
        while (p.Next.IsCompletedSuccessfully)
        {
            p = p.Next.Result;
        }
        return p;
    }

    internal Pulse Publish(CampaignSnapshot snapshot, bool heartbeat)
    {
        var link = new Pulse(snapshot, heartbeat);
        next.TrySetResult(link);
        return link;
    }

    internal void End() => next.TrySetCanceled();
}
