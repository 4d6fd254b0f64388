package org.edgetrain.compute.grid;

import java.util.Collection;
import java.util.List;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.query.SqlFieldsQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.ClientConfiguration;

/**
 * A {@link FleetReader} over Ignite's thin-client protocol: a TCP connection to one device's client connector, no
 * node in the topology, so no partition map exchange and no service or discovery traffic on any device. The devices'
 * addresses come from the node configuration; the client tries them in turn, so any live device will do.
 *
 * <p>Thread-safety: safe to share, as {@link IgniteClient} is. Close it to disconnect.
 */
public final class ThinFleetReader implements FleetReader, AutoCloseable {
    private final IgniteClient client;

    private ThinFleetReader(IgniteClient client) {
        this.client = client;
    }

    /**
     * @param configuration addresses, TLS and credentials (see {@code FleetOptions#thinClient})
     * @throws ClientException when no device answers at any address
     */
    public static ThinFleetReader connect(ClientConfiguration configuration) {
        return new ThinFleetReader(Ignition.startClient(configuration));
    }

    @Override
    public List<List<?>> sql(String query, Object... args) {
        return MissingTableException.translated(
                () -> client.query(new SqlFieldsQuery(query).setArgs(args).setSchema(GridNames.SCHEMA)).getAll());
    }

    @Override
    public <T> T model(String key) {
        if (!client.cacheNames().contains(GridNames.MODEL)) {
            return null;
        }
        ClientCache<String, byte[]> model = client.cache(GridNames.MODEL);
        return Wire.unpack(model.get(key));
    }

    @Override
    public long size(String cache) {
        return client.cacheNames().contains(cache) ? client.cache(cache).size() : 0;
    }

    @Override
    public Collection<ClusterNode> devices() {
        return client.cluster().forServers().nodes();
    }

    @Override
    public void close() {
        client.close();
    }
}
