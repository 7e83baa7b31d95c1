using AuthServer.Cli;

return await AuthServerCli.RunAsync(args);
