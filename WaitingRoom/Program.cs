await FlashSale.WaitingRoom.WaitingRoomApp.Create(args).RunAsync();
