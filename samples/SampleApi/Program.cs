// Configuration: Validation:Authority, Validation:Audience (required), SampleApi:RequiredScope, Urls; see docs/validation.md.
SampleApi.SampleApiApp.Build(args).Run();
