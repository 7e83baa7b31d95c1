namespace AuthServer.Signals;

/// <summary>
/// Sliding-window counts for one signal, per key, in bounded memory: each key keeps only its last
/// <c>Threshold</c> instants (enough to tell whether the threshold was reached within the window), and at most
/// <c>maxKeys</c> keys are tracked (the least recently seen is forgotten first). Once a key crosses, it does not
/// cross again until a window has passed, so a sustained attack raises one signal per window, not one per request.
/// </summary>
public sealed class SignalCounter(SignalRule rule, int maxKeys)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _byLastSeen = new();

    public int TrackedKeys
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Counts one event for <paramref name="key"/> at <paramref name="now"/>. With <paramref name="distinct"/>, only
    /// distinct values count (a repeat refreshes its instant). Returns the count in the window when this event makes
    /// the key cross its threshold, else null.
    /// </summary>
    public int? Observe(string key, DateTimeOffset now, string? distinct = null)
    {
        var ticks = now.UtcTicks;
        lock (_lock)
        {
            var entry = Touch(key);
            entry.Add(ticks, distinct is null ? null : StringComparer.OrdinalIgnoreCase.GetHashCode(distinct));
            var count = entry.CountSince(ticks - rule.Window.Ticks);
            if (count < rule.Threshold || ticks < entry.QuietUntil)
            {
                return null;
            }

            entry.QuietUntil = ticks + rule.Window.Ticks;
            return count;
        }
    }

    private Entry Touch(string key)
    {
        if (_entries.TryGetValue(key, out var node))
        {
            _byLastSeen.Remove(node);
            _byLastSeen.AddLast(node);
            return node.Value;
        }

        if (_entries.Count >= maxKeys)
        {
            var oldest = _byLastSeen.First!;
            _byLastSeen.RemoveFirst();
            _entries.Remove(oldest.Value.Key);
        }

        node = _byLastSeen.AddLast(new Entry(key, rule.Threshold));
        _entries[key] = node;
        return node.Value;
    }

    /// <summary>The last instants of one key (at most Threshold of them), with the distinct values they were for.</summary>
    private sealed class Entry(string key, int capacity)
    {
        private readonly long[] _instants = new long[capacity];
        private readonly int?[] _values = new int?[capacity];
        private int _count;

        public string Key { get; } = key;

        public long QuietUntil { get; set; }

        public void Add(long ticks, int? value)
        {
            if (value is not null)
            {
                var same = Array.IndexOf(_values, value, 0, _count);
                if (same >= 0)
                {
                    _instants[same] = ticks;
                    return;
                }
            }

            // Full: the oldest instant makes room (only the last Threshold instants can decide a crossing).
            var slot = _count < _instants.Length ? _count++ : Oldest();
            _instants[slot] = ticks;
            _values[slot] = value;
        }

        private int Oldest()
        {
            var oldest = 0;
            for (var i = 1; i < _count; i++)
            {
                if (_instants[i] < _instants[oldest])
                {
                    oldest = i;
                }
            }

            return oldest;
        }

        public int CountSince(long fromTicks)
        {
            var n = 0;
            for (var i = 0; i < _count; i++)
            {
                if (_instants[i] > fromTicks)
                {
                    n++;
                }
            }

            return n;
        }
    }
}
