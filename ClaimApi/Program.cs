await FlashSale.ClaimApi.ClaimApiApp.Create(args).RunAsync();
