# syntax=docker/dockerfile:1
# Images for docker-compose.yml: `authserver` (the server and its CLI) and `sample-api` (the API behind the gateway).
# There is no Docker engine on the development machines, so this file is checked by tests (paths, projects, entry
# points: tests/AuthServer.Tests/Deploy) but not built by them.
#
#   docker build --target authserver -t authserver .
#   docker build --target sample-api -t authserver-sample-api .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ src/
COPY samples/ samples/
RUN dotnet publish src/AuthServer/AuthServer.csproj -c Release -o /out/authserver \
 && dotnet publish samples/SampleApi/SampleApi.csproj -c Release -o /out/sample-api

# curl for the health checks; the .NET images run as the unprivileged user `app`.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
ENV ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_NOLOGO=1

FROM runtime AS authserver
WORKDIR /app
COPY --from=build /out/authserver ./
# keys/ and data/ are only used without a master key in the environment / with SQLite; both must be writable.
RUN mkdir -p /app/keys /app/data && chown app /app/keys /app/data
USER app
EXPOSE 8443
ENTRYPOINT ["dotnet", "AuthServer.dll"]

FROM runtime AS sample-api
WORKDIR /app
COPY --from=build /out/sample-api ./
USER app
EXPOSE 8080
ENTRYPOINT ["dotnet", "SampleApi.dll"]
