using FlashSale.LoadTests.Http;

namespace FlashSale.Tests.LoadTests;

public sealed class JitWatchTests
{
    [Fact]
    public void Parse_ReadsTheCompiledMethodsCounter_AndNothingThatOnlyStartsLikeIt()
    {
        const string text = """
            # TYPE dotnet_jit_compiled_methods_total counter
            dotnet_jit_compiled_methods_total_other{x="y"} 5
            dotnet_jit_compilation_time_seconds_total{otel_scope_name="System.Runtime"} 8.76
            dotnet_jit_compiled_methods_total{otel_scope_name="System.Runtime"} 18592
            """;
        Assert.Equal(18592, JitWatch.Parse(text));
        Assert.Null(JitWatch.Parse("http_server_request_duration_seconds_count 3"));
    }
}
