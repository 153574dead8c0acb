namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// The system in ES256 mode, just after a key rotation: the edge signs with es-2's private key (read from a file, as
/// `./flashsale up` passes it) and keeps es-1's public key; ClaimApi holds the two public keys and no private one.
/// One ClaimApi instance: these tests are about tokens, not leases.
/// </summary>
public sealed class Es256System : FlashSaleSystem
{
    public const string CurrentKid = "es-2";
    public const string PreviousKid = "es-1";
    private readonly string keyFile = Path.Combine(Path.GetTempPath(), $"flashsale-test-es256-{Guid.NewGuid():N}.pem");

    public Es256System()
    {
        File.WriteAllText(keyFile, Current.PrivatePem);
    }

    public EcKeyPair Current { get; } = EcKeyPair.NewP256();

    /// <summary>The key es-2 replaced; its private half is kept here only to mint tokens "from before the rotation".</summary>
    public EcKeyPair Previous { get; } = EcKeyPair.NewP256();

    protected override int ClaimInstanceCount => 1;

    protected override string[] AdmissionArgs(bool edge) =>
    [
        "--Tokens:Admission:Algorithm=ES256",
        $"--Tokens:Admission:CurrentKid={CurrentKid}",
        $"--Tokens:Admission:Keys:0:Kid={CurrentKid}",
        // Empty, so an HS256 secret from an appsettings file cannot merge into this key by index.
        "--Tokens:Admission:Keys:0:Secret=",
        edge ? $"--Tokens:Admission:Keys:0:PrivateKeyFile={keyFile}" : $"--Tokens:Admission:Keys:0:PublicKeyPem={Current.PublicPem}",
        $"--Tokens:Admission:Keys:1:Kid={PreviousKid}",
        "--Tokens:Admission:Keys:1:Secret=",
        $"--Tokens:Admission:Keys:1:PublicKeyPem={Previous.PublicPem}",
    ];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(keyFile);
    }
}

[CollectionDefinition(Name)]
public sealed class Es256Collection : ICollectionFixture<Es256System>
{
    public const string Name = "ES256 system";
}
