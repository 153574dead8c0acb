using FlashSale.LoadTests.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C stops the run cleanly (nothing half-reported); a second one kills the process.
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};
if (args is [] or ["--help"] or ["-h"] or ["help"])
{
    Console.WriteLine(Commands.Usage);
    return args is [] ? 2 : 0;
}
return await Commands.RunAsync(args, cancel.Token);
