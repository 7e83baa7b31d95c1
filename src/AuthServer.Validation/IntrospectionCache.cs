namespace AuthServer.Validation;

/// <summary>
/// Introspection results by token hash, each until its own expiry. Bounded: when full, the oldest entry goes. All
/// entries share one maximum lifetime, so the oldest is also the one closest to expiring.
/// </summary>
internal sealed class IntrospectionCache(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _oldestFirst = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(string key, DateTimeOffset now, out AccessTokenResult result)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (now < node.Value.ExpiresAt)
                {
                    result = node.Value.Result;
                    return true;
                }

                Remove(node);
            }
        }

        result = null!;
        return false;
    }

    public void Set(string key, AccessTokenResult result, DateTimeOffset expiresAt)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                Remove(existing);
            }

            while (_entries.Count >= capacity && _oldestFirst.First is { } oldest)
            {
                Remove(oldest);
            }

            _entries[key] = _oldestFirst.AddLast(new Entry(key, result, expiresAt));
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _oldestFirst.Remove(node);
        _entries.Remove(node.Value.Key);
    }

    private sealed record Entry(string Key, AccessTokenResult Result, DateTimeOffset ExpiresAt);
}
