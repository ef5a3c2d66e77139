"""The GraphQL surface of the hub: strawberry types, resolvers, loaders, limits and the HTTP view."""
