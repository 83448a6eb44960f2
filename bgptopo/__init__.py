"""bgptopo: a BGP lab of three FRR/Quagga routers and two Docker hosts,
built by the stock Mininet launcher (`mn --custom bgptopo/topo.py --topo bgp3`)."""

__version__ = '0.1.0'
