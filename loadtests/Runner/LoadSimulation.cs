namespace FlashSale.LoadTests.Runner;

/// <summary>One phase of load, NBomber's shapes. Phases run one after another; each lasts <see cref="During"/>.</summary>
public abstract record LoadSimulation(TimeSpan During);

/// <summary>Open model: starts <see cref="Rate"/> iterations per second whatever the answers take (arrivals do not wait for the system).</summary>
public sealed record Inject(double Rate, TimeSpan During) : LoadSimulation(During);

/// <summary>Open model, the rate moving linearly from the previous phase's rate (0 at first) to <see cref="Rate"/>.</summary>
public sealed record RampingInject(double Rate, TimeSpan During) : LoadSimulation(During);

/// <summary>Closed model: <see cref="Copies"/> loops, each starting its next iteration when the last one answers.</summary>
public sealed record KeepConstant(int Copies, TimeSpan During) : LoadSimulation(During);

/// <summary>Closed model, the number of loops moving linearly from the previous phase's (0 at first) to <see cref="Copies"/>.</summary>
public sealed record RampingConstant(int Copies, TimeSpan During) : LoadSimulation(During);

public static class Simulation
{
    public static Inject Inject(double rate, TimeSpan during) => new(rate, during);

    public static RampingInject RampingInject(double rate, TimeSpan during) => new(rate, during);

    public static KeepConstant KeepConstant(int copies, TimeSpan during) => new(copies, during);

    public static RampingConstant RampingConstant(int copies, TimeSpan during) => new(copies, during);
}
