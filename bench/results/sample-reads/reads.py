import re,sys,statistics,glob,os
for d in sys.argv[1:]:
    print(d)
    for f in sorted(glob.glob(d+'/fleet/*.log')):
        reads=[];prep=[];of=[];tr=[]
        for line in open(f,errors='replace'):
            m=re.search(r'trained (\d+) of (\d+) samples in \d+ batches, ([\d.]+) s of a ([\d.]+) s box \(prepared in ([\d.]+) s(?:, of which|;) reading the samples ([\d.]+) s\)',line)
            if m:
                tr.append(int(m.group(1)));of.append(int(m.group(2)));prep.append(float(m.group(5)));reads.append(float(m.group(6)))
        if reads:
            print(f"  {os.path.basename(f)}: rounds {len(reads)}, reads {sum(reads):.2f} s in all (median {statistics.median(reads)*1000:.0f} ms, max {max(reads)*1000:.0f}), prepared median {statistics.median(prep)*1000:.0f} ms, prepared {sum(prep):.2f} s in all, prepared+reads {sum(prep)+sum(reads):.2f} s; samples listed {sum(of)}, trained {sum(tr)}")
