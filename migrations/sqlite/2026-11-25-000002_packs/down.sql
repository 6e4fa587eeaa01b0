DROP TABLE items;
DROP TABLE containers;
DROP TABLE products;
