import org.apache.ignite.*;
import org.apache.ignite.configuration.*;
import org.apache.ignite.cache.*;
/** What Ignite's page size costs training samples (bench/RESULTS.md, "The heap, the collector and the page size"). */
public class PageSize {
  public static void main(String[] a) {
    int page = Integer.parseInt(a[0]);
    IgniteConfiguration cfg = new IgniteConfiguration().setIgniteInstanceName("pg" + page)
      .setDataStorageConfiguration(new DataStorageConfiguration().setPageSize(page)
        .setDefaultDataRegionConfiguration(new DataRegionConfiguration().setName("default").setInitialSize(16L<<20).setMaxSize(512L<<20).setMetricsEnabled(true)))
      .setDiscoverySpi(new org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi().setIpFinder(new org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder(true)));
    try (Ignite ig = Ignition.start(cfg)) {
      IgniteCache<Integer, byte[]> c = ig.getOrCreateCache(new CacheConfiguration<Integer, byte[]>("train").setAffinity(new org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction(false, 64)));
      long before = ig.dataRegionMetrics().stream().mapToLong(m -> m.getOffheapUsedSize()).sum();
      for (int i = 0; i < 20000; i++) c.put(i, new byte[3073]);
      long after = ig.dataRegionMetrics().stream().mapToLong(m -> m.getOffheapUsedSize()).sum();
      System.out.printf("PAGE %d: %.1f MB for 20000 x 3073 B (%.1f MB raw)%n", page, (after - before) / 1048576.0, 20000 * 3073 / 1048576.0);
    }
  }
}
