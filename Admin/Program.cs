await FlashSale.Admin.AdminApp.Create(args).RunAsync();
